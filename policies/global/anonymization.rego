# Mesh-wide anonymization floor. PII is never sent in clear unless the
# subject's clearance and the stated purpose both allow it; sensitive fields
# are masked below confidential clearance. Domains may only tighten these
# (the engine keeps the strictest transform per field).
package global.anonymization

port := data.mesh.ports[input.port]

# Clearance levels, lowest to highest.
clearance_rank := {"public": 0, "internal": 1, "confidential": 2, "pii": 3}

# Purposes for which a pii-cleared subject may see pii in clear.
clear_purposes := {"customer-support", "fraud-investigation", "legal-hold"}

rank := object.get(clearance_rank, object.get(input.subject, "clearance", "public"), 0)

pii_cleared if {
	rank >= 3
	input.purpose in clear_purposes
}

fields[f] := {"action": "keep"} if {
	some f, field in port.fields
	field.classification == "pii"
	pii_cleared
}

fields[f] := {"action": "mask"} if {
	some f, field in port.fields
	field.classification == "pii"
	not pii_cleared
}

fields[f] := {"action": "mask", "show_last": 4} if {
	some f, field in port.fields
	field.classification == "sensitive"
	rank < 2
}
