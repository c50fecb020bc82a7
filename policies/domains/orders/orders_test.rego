package domains.orders.orders_test

import data.domains.orders.access
import data.domains.orders.anonymization
import data.domains.orders.compatibility

mesh := {"ports": {"orders-v1": {"consumers": {"finance-reporting": {
	"id": "finance-reporting",
	"fields": ["currency", "order_date", "order_id", "status", "total_amount"],
}}}}}

reader := {"id": "ana", "roles": ["orders-reader"], "region": "eu"}

finance := {"id": "finance-reporting", "roles": [], "region": "eu"}

test_orders_reader_is_allowed if {
	access.allow with input as {"port": "orders-v1", "subject": reader, "fields": ["order_id"]} with data.mesh as mesh
}

test_consumer_is_allowed_its_declared_fields if {
	access.allow with input as {"port": "orders-v1", "subject": finance, "fields": ["order_id", "total_amount"]}
		with data.mesh as mesh
}

test_consumer_is_not_allowed_other_fields if {
	not access.allow with input as {"port": "orders-v1", "subject": finance, "fields": ["order_id", "customer_email"]}
		with data.mesh as mesh
}

test_writes_are_denied if {
	denies := access.deny with input as {"port": "orders-v1", "subject": reader, "fields": [], "request": {"method": "DELETE"}}
		with data.mesh as mesh
	count(denies) == 1
}

test_email_is_hashed_except_for_support if {
	fields := anonymization.fields with input as {"port": "orders-v1", "subject": reader, "purpose": "reporting"}
	fields.customer_email.action == "hash"
	support := anonymization.fields with input as {"port": "orders-v1", "subject": reader, "purpose": "customer-support"}
	not support.customer_email
}

test_marketing_gets_noisy_amounts if {
	fields := anonymization.fields with input as {"port": "orders-v1", "subject": reader, "purpose": "marketing"}
	fields.total_amount == {"action": "noise", "epsilon": 1, "sensitivity": 50}
}

test_test_orders_are_filtered if {
	filters := anonymization.row_filters with input as {"port": "orders-v1", "subject": reader}
	{"field": "status", "op": "!=", "value": "test"} in filters
}

test_dropping_order_id_is_a_violation if {
	change := {"field": "order_id", "change": "required_removed", "breaking": false, "consumers": ["finance-reporting"]}
	vs := compatibility.violations with input as {"port": "orders-v1", "mode": "backward", "changes": [change]}
	some v in vs
	v.field == "order_id"
}

test_breaking_change_names_its_consumers if {
	change := {"field": "total_amount", "change": "type_changed", "breaking": true, "consumers": ["finance-reporting"]}
	vs := compatibility.violations with input as {"port": "orders-v1", "mode": "backward", "changes": [change]}
	some v in vs
	v.message == "type_changed at total_amount breaks backward compatibility for finance-reporting"
}

test_compatible_change_is_fine if {
	change := {"field": "note", "change": "property_added", "breaking": false, "consumers": []}
	vs := compatibility.violations with input as {"port": "orders-v1", "mode": "backward", "changes": [change]}
	count(vs) == 0
}
