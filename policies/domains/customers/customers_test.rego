package domains.customers.customers_test

import data.domains.customers.access
import data.domains.customers.anonymization
import data.domains.customers.compatibility

mesh := {"ports": {"customers-v2": {"consumers": {"crm": {"id": "crm", "fields": ["customer_id", "email", "full_name", "phone"]}}}}}

crm := {"id": "crm", "roles": [], "region": "eu"}

test_consumer_is_allowed_its_fields if {
	access.allow with input as {"port": "customers-v2", "subject": crm, "fields": ["email"], "purpose": "customer-support"}
		with data.mesh as mesh
}

test_contact_fields_are_denied_for_marketing if {
	denies := access.deny with input as {"port": "customers-v2", "subject": crm, "fields": ["email"], "purpose": "marketing"}
		with data.mesh as mesh
	count(denies) == 1
}

test_birth_date_becomes_a_year if {
	fields := anonymization.fields with input as {"port": "customers-v2", "purpose": "analytics"}
	fields.birth_date == {"action": "generalize", "to": "year"}
}

test_support_sees_names if {
	fields := anonymization.fields with input as {"port": "customers-v2", "purpose": "customer-support"}
	not fields.full_name
	not fields.email
}

test_marketing_sees_only_opted_in_customers if {
	filters := anonymization.row_filters with input as {"port": "customers-v2", "purpose": "marketing"}
	{"field": "marketing_opt_in", "op": "==", "value": true} in filters
	none := anonymization.row_filters with input as {"port": "customers-v2", "purpose": "analytics"}
	count(none) == 0
}

test_full_mode_breaking_change_is_a_violation if {
	change := {
		"field": "note", "change": "property_added", "breaking": true, "consumers": [],
		"rule": {"backward": "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "forward": "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
	}
	vs := compatibility.violations with input as {"port": "customers-v2", "mode": "full", "changes": [change]}
	count(vs) == 1
}
