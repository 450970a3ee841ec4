module aioinflux-legacyauth/tests/passwordhash

go 1.23.0

require (
	go.etcd.io/bbolt v1.3.6
	golang.org/x/crypto v0.36.0
)

require golang.org/x/sys v0.31.0 // indirect
