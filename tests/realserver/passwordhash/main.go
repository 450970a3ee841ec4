// Command passwordhash stores a v1 password in a copy of influxd's bolt file without the
// server's rules, as `influxd upgrade` does with a 1.x user's hash (SetPasswordHash).
//
//	passwordhash BOLT-FILE AUTH-ID < password
//
// The file is what GET /api/v2/backup/kv returned; the tests put it back with
// POST /api/v2/restore/kv. The password is read from stdin, never from the command line.
package main

import (
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// The bucket v1/authorization/storage_password.go keeps the hashes in, keyed by the
// authorization's encoded ID (its 16 hex digits).
var passwordBucket = []byte("legacy/authorizationPasswordv1")

func main() {
	if err := run(os.Args[1:], os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "passwordhash:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader) error {
	if len(args) != 2 || len(args[1]) != 16 {
		return fmt.Errorf("usage: passwordhash BOLT-FILE AUTH-ID < password")
	}
	password, err := io.ReadAll(stdin)
	if err != nil {
		return err
	}
	// bcrypt.DefaultCost, as the server's own encryptPassword; bcrypt refuses more than 72
	// bytes, so a longer 1.x password is hashed as its first 72 (what a 1.x server
	// compared, too).
	if len(password) > 72 {
		password = password[:72]
	}
	hash, err := bcrypt.GenerateFromPassword(password, bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	db, err := bolt.Open(args[0], 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		bucket := tx.Bucket(passwordBucket)
		if bucket == nil {
			return fmt.Errorf("no bucket %s in %s", passwordBucket, args[0])
		}
		return bucket.Put([]byte(args[1]), hash)
	})
}
