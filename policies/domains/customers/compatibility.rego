# Customers-specific compatibility: the port declares `full` compatibility
# (consumers and producer upgrade in any order), so every change that breaks
# the declared mode is a violation, consumers or not.
package domains.customers.compatibility

violations contains {"field": c.field, "change": c.change, "message": msg} if {
	some c in input.changes
	c.breaking
	msg := sprintf("%v at %v breaks the port's %v compatibility (backward: %v, forward: %v)", [c.change, c.field, input.mode, c.rule.backward, c.rule.forward])
}
