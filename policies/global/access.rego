# Mesh-wide access rules. The global layer never grants on its own behalf
# except to mesh administrators; it denies what no domain may allow:
# unknown ports, anonymous subjects, reads from outside the data's residency,
# and pii reads without a stated purpose.
package global.access

port := data.mesh.ports[input.port]

default allow := false

allow if "mesh-admin" in input.subject.roles

# `not data.mesh.ports[input.port]` would not fire when input.port is missing
# (OPA evaluates input.port before the negation): test the port in a helper
# rule and negate that, so a request without a port is denied too.
known_port if data.mesh.ports[input.port]

deny contains {"code": "unknown_port", "message": sprintf("output port %v is not declared by the data product", [object.get(input, "port", null)])} if {
	not known_port
}

deny contains {"code": "anonymous_subject", "message": "the request has no authenticated subject"} if {
	object.get(input.subject, "id", "") == ""
}

# Data residency: when the contract lists regions, the subject must be in one.
deny contains {"code": "residency", "message": msg} if {
	residency := port.residency
	count(residency) > 0
	region := lower(object.get(input.subject, "region", ""))
	not region in residency
	msg := sprintf("data of port %v stays in %v; the subject is in %v", [input.port, concat(", ", residency), region])
}

# Asking for pii fields needs a purpose, even though they are anonymized.
deny contains {"code": "purpose_required", "message": sprintf("reading pii field %v needs a purpose", [f])} if {
	some f in requested_fields
	port.fields[f].classification == "pii"
	not has_purpose
}

# A request without a purpose has `input.purpose` null; an empty one states none either.
has_purpose if {
	is_string(input.purpose)
	input.purpose != ""
}

# The fields asked for; none listed means every field of the port.
requested_fields contains f if {
	some f in input.fields
}

requested_fields contains f if {
	count(object.get(input, "fields", [])) == 0
	some f, _ in port.fields
}
