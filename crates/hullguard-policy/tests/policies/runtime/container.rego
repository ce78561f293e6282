# METADATA
# custom:
#   input:
#     selector:
#     - type: container
package acme.container

# METADATA
# title: SYS_ADMIN added
# custom:
#   id: ACME-CTR-001
#   severity: CRITICAL
deny_sys_admin contains result if {
	some cap in input.HostConfig.CapAdd
	endswith(cap, "SYS_ADMIN")
	result := {"msg": sprintf("%s adds %s", [trim_prefix(input.Name, "/"), cap]), "field": "HostConfig.CapAdd"}
}
