# METADATA
# custom:
#   input:
#     selector:
#     - type: host
package acme.host

# METADATA
# title: Inter-container communication on
# custom:
#   id: ACME-HOST-001
#   severity: MEDIUM
deny_icc contains result if {
	input.host.daemon_json.icc != false
	result := {"msg": sprintf("icc is %v in %s", [input.host.daemon_json.icc, input.host.daemon_json_path]), "field": "icc"}
}

# METADATA
# title: Engine API version
# custom:
#   id: ACME-HOST-002
warn_api contains msg if {
	msg := sprintf("Engine API %s", [input.engine.api_version])
}
