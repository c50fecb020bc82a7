# Orders-specific anonymization, on top of the global floor: e-mails become
# keyed hashes (joins across products still work) except for customer
# support, postcodes keep their district only, amounts get Laplace noise for
# marketing, and test orders never leave the product.
package domains.orders.anonymization

default support := false

support if input.purpose == "customer-support"

fields["customer_email"] := {"action": "hash"} if not support

fields["shipping_address.postcode"] := {"action": "generalize", "prefix": 2} if not support

fields["shipping_address.street"] := {"action": "redact"} if not support

fields["total_amount"] := {"action": "noise", "epsilon": 1, "sensitivity": 50} if input.purpose == "marketing"

row_filters contains {"field": "status", "op": "!=", "value": "test"}
