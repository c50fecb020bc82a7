// Every host built-in family; each file exports `decls` and `impls`.
import type { BuiltinDecl, HostImpl } from './types.js'

export interface Family { decls: BuiltinDecl[]; impls: Record<string, HostImpl> }

export const families: Family[] = []
