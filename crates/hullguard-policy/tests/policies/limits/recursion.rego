package acme.limits.recursion

f(x) := y if {
	y := f(x + 1)
}

deny contains n if {
	n := f(1)
}
