# Customers-specific anonymization: birth dates become birth years, e-mails
# keyed hashes, names are redacted outside customer support, lifetime value
# gets Laplace noise for marketing, and marketing only sees customers who
# opted in.
package domains.customers.anonymization

default support := false

support if input.purpose == "customer-support"

fields["birth_date"] := {"action": "generalize", "to": "year"}

fields["email"] := {"action": "hash"} if not support

fields["full_name"] := {"action": "redact"} if not support

fields["lifetime_value"] := {"action": "noise", "epsilon": 0.5, "sensitivity": 100} if input.purpose == "marketing"

row_filters contains {"field": "marketing_opt_in", "op": "==", "value": true} if input.purpose == "marketing"
