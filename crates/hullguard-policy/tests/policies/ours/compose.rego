# METADATA
# title: Compose service in the host network
# custom:
#   id: ACME-CMP-001
#   severity: HIGH
#   input:
#     selector:
#     - type: compose
package acme.compose

deny contains msg if {
	some name, svc in input.services
	svc.network_mode == "host"
	msg := sprintf("service %s shares the host network", [name])
}
