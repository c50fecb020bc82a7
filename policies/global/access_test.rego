package global.access_test

import data.global.access

mesh := {"ports": {"p": {
	"residency": ["eu"],
	"fields": {"id": {"classification": "public"}, "email": {"classification": "pii"}},
	"consumers": {},
}}}

subject := {"id": "ana", "roles": ["analyst"], "clearance": "internal", "domain": "finance", "region": "EU"}

us_subject := {"id": "bob", "roles": ["analyst"], "clearance": "internal", "domain": "finance", "region": "us"}

codes(denies) := {d.code | some d in denies}

test_no_deny_for_a_resident_subject_reading_public_fields if {
	denies := access.deny with input as {"port": "p", "subject": subject, "fields": ["id"]} with data.mesh as mesh
	count(denies) == 0
}

test_unknown_port_is_denied if {
	denies := access.deny with input as {"port": "nope", "subject": subject, "fields": []} with data.mesh as mesh
	"unknown_port" in codes(denies)
}

test_request_without_port_is_denied if {
	denies := access.deny with input as {"subject": subject, "fields": []} with data.mesh as mesh
	"unknown_port" in codes(denies)
}

test_subject_outside_residency_is_denied if {
	denies := access.deny with input as {"port": "p", "subject": us_subject, "fields": ["id"]} with data.mesh as mesh
	"residency" in codes(denies)
}

test_anonymous_subject_is_denied if {
	denies := access.deny with input as {"port": "p", "subject": {"region": "eu"}, "fields": ["id"]} with data.mesh as mesh
	"anonymous_subject" in codes(denies)
}

test_pii_without_purpose_is_denied if {
	denies := access.deny with input as {"port": "p", "subject": subject, "fields": ["email"]} with data.mesh as mesh
	"purpose_required" in codes(denies)
}

# The sidecar sends `purpose: null` and `fields: []` when the request gives none.
test_pii_with_a_null_purpose_is_denied if {
	denies := access.deny with input as {"port": "p", "subject": subject, "purpose": null, "fields": []} with data.mesh as mesh
	"purpose_required" in codes(denies)
}

test_pii_with_purpose_is_not_denied if {
	denies := access.deny with input as {"port": "p", "subject": subject, "fields": ["email"], "purpose": "reporting"}
		with data.mesh as mesh
	count(denies) == 0
}

test_no_fields_means_all_fields if {
	denies := access.deny with input as {"port": "p", "subject": subject} with data.mesh as mesh
	"purpose_required" in codes(denies)
}

test_global_allows_only_mesh_admins if {
	not access.allow with input as {"port": "p", "subject": subject} with data.mesh as mesh
	access.allow with input as {"port": "p", "subject": {"id": "root", "roles": ["mesh-admin"], "region": "eu"}}
		with data.mesh as mesh
}
