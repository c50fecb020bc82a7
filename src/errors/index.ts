export * from './catalog.js'
export * from './meshgate-error.js'
export * from './render.js'
