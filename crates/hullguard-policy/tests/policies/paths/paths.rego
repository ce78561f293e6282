# METADATA
# custom:
#   input:
#     selector:
#     - type: image
package acme.paths

# METADATA
# title: Setuid and setgid executables
# custom:
#   id: ACME-PATH-001
warn_special contains msg if {
	setuid := [p.path | some p in input.paths; p.setuid]
	setgid := [p.path | some p in input.paths; p.setgid]
	count(setuid) + count(setgid) > 0
	msg := sprintf("%d setuid (%s), %d setgid (%s)", [count(setuid), concat(" ", setuid), count(setgid), concat(" ", setgid)])
}

# METADATA
# title: World-writable directories
# custom:
#   id: ACME-PATH-002
warn_world_writable contains result if {
	some p in input.paths
	p.world_writable
	result := {"msg": sprintf("%s %s mode %o, sticky %v", [p.type, p.path, p.mode, p.sticky]), "path": p.path, "layer": p.layer}
}

# METADATA
# title: Files under /etc not owned by root
# custom:
#   id: ACME-PATH-003
#   severity: HIGH
deny_etc_owner contains result if {
	some p in input.paths
	startswith(p.path, "/etc/")
	p.uid != 0
	result := {"msg": sprintf("%s is owned by uid %d", [p.path, p.uid]), "path": p.path, "layer": p.layer}
}

# METADATA
# title: Credential files
# custom:
#   id: ACME-PATH-004
#   severity: CRITICAL
deny_credential contains result if {
	some p in input.paths
	p.credential
	result := {"msg": sprintf("%s (%s), %d bytes", [p.path, p.credential, p.size]), "path": p.path, "layer": p.layer}
}

# METADATA
# title: Files under /etc
# custom:
#   id: ACME-PATH-005
warn_etc_count contains msg if {
	etc := [p | some p in input.paths; startswith(p.path, "/etc/")]
	msg := sprintf("%d paths under /etc, truncated %v", [count(etc), input.paths_truncated])
}
