package global.compatibility_test

import data.global.compatibility

with_consumers := {"ports": {"p": {"consumers": {"bi": {"id": "bi", "fields": ["total"]}}}}}

without_consumers := {"ports": {"p": {"consumers": {}}}}

breaking := {
	"field": "total", "change": "type_changed", "before": ["number"], "after": ["string"],
	"backward": false, "forward": false, "rule": {"backward": "TYPE_CHANGED", "forward": "TYPE_CHANGED"},
}

additive := {
	"field": "note", "change": "property_added", "backward": true, "forward": false,
	"rule": {"backward": "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "forward": "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
}

test_breaking_change_on_a_port_with_consumers_is_a_violation if {
	vs := compatibility.violations with input as {"port": "p", "mode": "backward", "changes": [breaking]}
		with data.mesh as with_consumers
	some v in vs
	v.field == "total"
	v.change == "type_changed"
}

test_breaking_change_without_consumers_is_allowed_globally if {
	vs := compatibility.violations with input as {"port": "p", "mode": "none", "changes": [breaking]}
		with data.mesh as without_consumers
	count(vs) == 0
}

test_backward_compatible_change_is_fine if {
	vs := compatibility.violations with input as {"port": "p", "mode": "backward", "changes": [additive]}
		with data.mesh as with_consumers
	count(vs) == 0
}

test_declassifying_pii_is_a_violation if {
	change := {
		"field": "email", "change": "classification_changed", "before": "pii", "after": "public",
		"backward": true, "forward": true, "rule": {"backward": "ANNOTATION_CHANGED", "forward": "ANNOTATION_CHANGED"},
	}
	vs := compatibility.violations with input as {"port": "p", "mode": "backward", "changes": [change]}
		with data.mesh as without_consumers
	some v in vs
	v.field == "email"
}
