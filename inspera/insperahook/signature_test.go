package insperahook

import (
	"strings"
	"testing"
)

func TestVerify(t *testing.T) {
	body := []byte(`{"eventName":"confirm_final_grades","contextObjectId":35199862,"timestamp":"2018-10-04T16:47:55Z"}`)
	secrets := []Secret{{Name: "old", Value: "old-secret"}, {Name: "new", Value: "new-secret"}}
	good := Sign("new-secret", body)
	for _, tc := range []struct {
		name     string
		body     []byte
		sig      string
		secrets  []Secret
		wantOK   bool
		wantName string
	}{
		{"right secret", body, good, secrets, true, "new"},
		{"the other secret while rotating", body, Sign("old-secret", body), secrets, true, "old"},
		{"upper-case hex", body, strings.ToUpper(good), secrets, true, "new"},
		{"sha1= prefix", body, "sha1=" + good, secrets, true, "new"},
		{"surrounding spaces", body, " " + good + " ", secrets, true, "new"},
		{"wrong secret", body, Sign("guess", body), secrets, false, ""},
		{"truncated", body, good[:len(good)-2], secrets, false, ""},
		{"one character short", body, good[:len(good)-1], secrets, false, ""},
		{"longer", body, good + "00", secrets, false, ""},
		{"not hex", body, strings.Repeat("zz", 20), secrets, false, ""},
		{"empty signature", body, "", secrets, false, ""},
		{"empty body signed", []byte{}, Sign("new-secret", nil), secrets, true, "new"},
		{"empty body with another body's signature", []byte{}, good, secrets, false, ""},
		{"replay with a changed body", []byte(strings.Replace(string(body), "35199862", "35199863", 1)), good, secrets, false, ""},
		{"replay with a space added", append([]byte(" "), body...), good, secrets, false, ""},
		{"sha256 of the body", body, strings.Repeat("ab", 32), secrets, false, ""},
		{"no secrets", body, good, nil, false, ""},
		{"an empty secret never verifies", body, Sign("", body), []Secret{{Name: "empty", Value: ""}}, false, ""},
	} {
		name, ok := Verify(tc.body, tc.sig, tc.secrets...)
		if ok != tc.wantOK || name != tc.wantName {
			t.Errorf("%s: Verify = %q, %v; want %q, %v", tc.name, name, ok, tc.wantName, tc.wantOK)
		}
	}
}

func TestSignIsLowerCaseHexHMACSHA1(t *testing.T) {
	// RFC 2202 test case 2.
	if got := Sign("Jefe", []byte("what do ya want for nothing?")); got != "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" {
		t.Errorf("Sign = %s", got)
	}
}
