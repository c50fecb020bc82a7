# Who may read the orders port: holders of the orders-reader role, and each
# declared consumer for the fields it declared. Writes are never allowed
# through the sidecar.
package domains.orders.access

port := data.mesh.ports[input.port]

default allow := false

allow if "orders-reader" in input.subject.roles

allow if {
	some c in port.consumers
	c.id == input.subject.id
	count(input.fields) > 0
	every f in input.fields {
		f in c.fields
	}
}

deny contains {"code": "read_only", "message": sprintf("method %v is not allowed on a data product port", [input.request.method])} if {
	input.request.method in {"PUT", "PATCH", "DELETE"}
}
