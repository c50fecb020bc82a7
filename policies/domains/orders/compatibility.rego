# Orders-specific compatibility: order_id is every consumer's join key, so it
# must stay present and required; and a change that breaks the port's own
# mode names the consumers it breaks.
package domains.orders.compatibility

violations contains {"field": "order_id", "change": c.change, "message": "order_id is the join key of every consumer and must stay required"} if {
	some c in input.changes
	c.field == "order_id"
	c.change in {"property_removed", "required_removed", "type_changed"}
}

violations contains {"field": c.field, "change": c.change, "message": msg} if {
	some c in input.changes
	c.breaking
	count(c.consumers) > 0
	msg := sprintf("%v at %v breaks %v compatibility for %v", [c.change, c.field, input.mode, concat(", ", c.consumers)])
}
