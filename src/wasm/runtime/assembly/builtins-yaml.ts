// builtins-yaml.ts — OPA's yaml.unmarshal, yaml.is_valid and yaml.marshal
// inside the module. The stock opa-wasm SDK implements yaml.* in JavaScript
// (differently from OPA) and its own functions shadow any host function of
// the same name, so these must never be host calls (issue 12). The reader is
// yaml-parse.ts (with yaml-resolve.ts), the writer yaml-emit.ts.

import { T_STRING, typeOf, strLen, strPtr, boolOf } from "./value";
import { yamlRead, yamlStatus } from "./yaml-parse";
export { mg_yaml_marshal } from "./yaml-emit";

/** The document's value; undefined when it is not valid YAML or uses a
 *  construct the reader does not cover (yaml-parse.ts's header). */
export function mg_yaml_unmarshal(s: usize): usize {
  if (s == 0 || typeOf(s) != T_STRING) return 0;
  return yamlRead(strPtr(s), strLen(s));
}

/** true or false as OPA answers; undefined where the reader cannot tell
 *  (a construct it does not cover), never a guess. */
export function mg_yaml_is_valid(s: usize): usize {
  if (s == 0) return 0;
  if (typeOf(s) != T_STRING) return boolOf(false);
  let v = yamlRead(strPtr(s), strLen(s));
  if (v != 0) return boolOf(true);
  return yamlStatus() == 1 ? boolOf(false) : 0;
}
