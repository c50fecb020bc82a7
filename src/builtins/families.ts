// Every host built-in family's implementations (each file exports `impls`);
// their declarations are in declarations.ts. Only host.ts imports this, as
// it loads every library the implementations use.
import type { HostImpl } from './types.js'
import * as aggregates from './aggregates.js'
import * as casts from './casts.js'
import * as crypto from './crypto.js'
import * as encoding from './encoding.js'
import * as glob from './glob.js'
import * as graph from './graph.js'
import * as graphql from './graphql.js'
import * as jsonDoc from './json-doc.js'
import * as jwt from './jwt.js'
import * as net from './net.js'
import * as numbers from './numbers.js'
import * as objects from './objects.js'
import * as providers from './providers.js'
import * as regex from './regex.js'
import * as regoParse from './rego-parse.js'
import * as semver from './semver.js'
import * as strings from './strings.js'
import * as time from './time.js'
import * as units from './units.js'
import * as uuid from './uuid.js'
import * as x509 from './x509.js'

export interface Family {
  impls: Record<string, HostImpl>
}

export const families: Family[] = [
  aggregates,
  casts,
  crypto,
  encoding,
  glob,
  graph,
  graphql,
  jsonDoc,
  jwt,
  net,
  numbers,
  objects,
  providers,
  regex,
  regoParse,
  semver,
  strings,
  time,
  units,
  uuid,
  x509,
]
