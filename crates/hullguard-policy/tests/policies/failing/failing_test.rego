package acme.failing

deny contains "always" if { true }

test_passes if {
	deny["always"]
}

test_fails if {
	count(deny) == 0
}
