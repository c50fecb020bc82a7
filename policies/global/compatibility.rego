# Mesh-wide compatibility rule: a port that has consumers accepts only
# backward-compatible changes (Confluent's rules, computed by the sidecar and
# given as input.changes), whatever mode the port declares.
package global.compatibility

port := data.mesh.ports[input.port]

violations contains {"field": c.field, "change": c.change, "message": msg} if {
	count(port.consumers) > 0
	some c in input.changes
	not c.backward
	msg := sprintf("%v at %v is not backward compatible (%v) and port %v has %v consumer(s)", [c.change, field_name(c.field), c.rule.backward, input.port, count(port.consumers)])
}

# A field that leaves the pii classification must be reviewed: it would be
# sent in clear from then on.
violations contains {"field": c.field, "change": c.change, "message": msg} if {
	some c in input.changes
	c.change == "classification_changed"
	c.before == "pii"
	msg := sprintf("field %v would no longer be classified pii (now %v)", [c.field, c.after])
}

field_name(f) := "the record" if f == ""

field_name(f) := f if f != ""
