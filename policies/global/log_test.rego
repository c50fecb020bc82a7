package global.log_test

import data.global.log

forwarded := {"kind": "forward_auth", "input": {"subject": {"id": "ana", "roles": ["analyst"]}, "request": {"path": "/orders", "headers": {"x-forwarded-for": "10.0.0.7", "x-request-id": "r1"}}}}

test_client_address_is_masked if {
	log.mask == {"/input/request/headers/x-forwarded-for"} with input as forwarded
}

test_admin_clearance_is_masked if {
	"/input/subject/clearance" in log.mask with input as {"kind": "access", "input": {"subject": {"id": "root", "roles": ["mesh-admin"], "clearance": "secret"}}}
}

test_nothing_masked_for_a_plain_access_decision if {
	count(log.mask) == 0 with input as {"kind": "access", "input": {"subject": {"id": "ana", "roles": ["analyst"]}, "port": "p"}}
}

test_health_probe_is_dropped if {
	log.drop with input as {"kind": "forward_auth", "input": {"request": {"path": "/healthz", "headers": {}}}}
}

test_decisions_are_kept if {
	not log.drop with input as forwarded
}
