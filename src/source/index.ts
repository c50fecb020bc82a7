export * from './source-file.js'
