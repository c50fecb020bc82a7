package global.anonymization_test

import data.global.anonymization

mesh := {"ports": {"p": {
	"residency": ["eu"],
	"fields": {
		"id": {"classification": "public"},
		"email": {"classification": "pii"},
		"customer_id": {"classification": "sensitive"},
	},
	"consumers": {},
}}}

analyst := {"id": "ana", "roles": ["analyst"], "clearance": "internal", "region": "eu"}

agent := {"id": "sam", "roles": ["support"], "clearance": "pii", "region": "eu"}

test_pii_is_masked_for_an_analyst if {
	fields := anonymization.fields with input as {"port": "p", "subject": analyst, "purpose": "reporting"} with data.mesh as mesh
	fields.email.action == "mask"
}

test_pii_is_kept_with_clearance_and_purpose if {
	fields := anonymization.fields with input as {"port": "p", "subject": agent, "purpose": "customer-support"}
		with data.mesh as mesh
	fields.email.action == "keep"
}

test_clearance_without_an_allowed_purpose_is_not_enough if {
	fields := anonymization.fields with input as {"port": "p", "subject": agent, "purpose": "marketing"} with data.mesh as mesh
	fields.email.action == "mask"
}

test_sensitive_shows_last_four_below_confidential if {
	fields := anonymization.fields with input as {"port": "p", "subject": analyst, "purpose": "reporting"} with data.mesh as mesh
	fields.customer_id == {"action": "mask", "show_last": 4}
}

test_public_fields_get_no_rule if {
	fields := anonymization.fields with input as {"port": "p", "subject": analyst, "purpose": "reporting"} with data.mesh as mesh
	not fields.id
}
