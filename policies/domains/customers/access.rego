# Who may read the customers port: the customers-reader role and declared
# consumers for their declared fields. Contact details are never read for
# marketing, whoever asks.
package domains.customers.access

port := data.mesh.ports[input.port]

contact_fields := {"email", "phone"}

default allow := false

allow if "customers-reader" in input.subject.roles

allow if {
	some c in port.consumers
	c.id == input.subject.id
	count(input.fields) > 0
	every f in input.fields {
		f in c.fields
	}
}

deny contains {"code": "contact_for_marketing", "message": sprintf("field %v may not be read for marketing", [f])} if {
	input.purpose == "marketing"
	some f in input.fields
	f in contact_fields
}
