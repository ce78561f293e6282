package acme.kubernetes.privileged

test_privileged_container_denied if {
	count(deny) == 1 with input as {"spec": {"template": {"spec": {"containers": [{"name": "a", "securityContext": {"privileged": true}}]}}}}
}

test_plain_container_allowed if {
	count(deny) == 0 with input as {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
}
