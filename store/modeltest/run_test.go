package modeltest

import (
	"errors"
	"testing"
)

// Two runs of one failing sequence fail with one message once ids and
// values are masked: rapid shrinks only while the message stays the same.
func TestStableMessage(t *testing.T) {
	a := errors.New(`after Leave(u0@526197): read List(u0): got ok 01a234c5-f09a-792c-bb23-03d5366646a6 Sales owner v=1 owner=true; , the model says ok`)
	b := errors.New(`after Leave(u0@9a1d68): read List(u0): got ok 01a234bb-ba0c-70fc-8f72-0e381b529f70 sales owner v=1 owner=true; 01a234bb-ba3d-7a23-b8a3-7af36bc364e3 Lab owner v=1 owner=true; , the model says ok`)
	if stable(a) != stable(b) {
		t.Fatalf("%q\n%q", stable(a), stable(b))
	}
	c := errors.New("after Invite(key:01a2349d@621dbe, mt-1157fe7e-u4@example.com, viewer): workspace 8feba2 differs from the model:\n  model only: member mt-1157fe7e-u4 viewer v=1\n")
	d := errors.New("after Invite(key:01a2349e@00aa01, mt-2b95b118-u4@example.com, viewer): workspace 3dc8b1 differs from the model:\n  store only: x\n")
	if stable(c) != stable(d) {
		t.Fatalf("%q\n%q", stable(c), stable(d))
	}
	if stable(a) == stable(c) {
		t.Fatal("two failures of different checks have one message")
	}
}
