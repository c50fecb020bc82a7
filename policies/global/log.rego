# What decision logs may carry off the sidecar (docs/observability.md). The
# sidecar evaluates this package for every decision event before it is
# spooled or printed, with the event as input: `mask` lists OPA-style JSON
# pointers to erase (or {op, path, value} upserts), `drop` discards the event.
package global.log

# Gateways forward the client's network address and browser: personal data
# the audit trail does not need.
mask contains sprintf("/input/request/headers/%v", [h]) if {
	some h in {"x-forwarded-for", "x-real-ip", "user-agent"}
	input.input.request.headers[h]
}

# The subject's region is kept (residency decisions are audited by it), but
# the domain-specific claims of a mesh administrator are not logged.
mask contains "/input/subject/clearance" if "mesh-admin" in input.input.subject.roles

# Health probes through forward auth say nothing about data access.
drop if {
	input.kind == "forward_auth"
	input.input.request.path == "/healthz"
}
