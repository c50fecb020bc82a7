export * from './source-file.js'
export * from './locate.js'
