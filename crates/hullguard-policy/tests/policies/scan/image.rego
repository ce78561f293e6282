# METADATA
# custom:
#   input:
#     selector:
#     - type: image
package acme.image

# METADATA
# title: SSH port exposed
# custom:
#   id: ACME-IMG-001
#   severity: HIGH
deny_ssh contains msg if {
	# Fields the image does not set are null, and `some … in null` is an error in regorus.
	ports := input.config.config.ExposedPorts
	is_object(ports)
	some port, _ in ports
	startswith(port, "22/")
	msg := sprintf("the image exposes %s", [port])
}

# METADATA
# title: ADD from a URL
# custom:
#   id: ACME-IMG-002
#   severity: MEDIUM
deny_add_url contains result if {
	some layer in input.layers
	regex.match(`^ADD https?://`, layer.created_by)
	result := {"msg": sprintf("layer %d downloads at build time", [layer.index]), "layer": layer.index}
}

# METADATA
# title: Login shell of root
# custom:
#   id: ACME-IMG-003
warn_root_shell contains result if {
	some line in split(input.files["/etc/passwd"], "\n")
	fields := split(line, ":")
	fields[0] == "root"
	result := {
		"msg": sprintf("root logs in with %s on %s %s", [fields[6], input.os.id, input.os.version_id]),
		"path": "/etc/passwd",
	}
}
