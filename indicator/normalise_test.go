package indicator

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil/bech32"
	"github.com/nyaruka/phonenumbers"
)

// segwitWithWrongVariant encodes BIP-173's v0 program with bech32m, which
// BIP-350 makes invalid.
func segwitWithWrongVariant(t *testing.T) string {
	program, _ := hex.DecodeString("751e76e8199196d454941c45d1b3a323f1433bd6")
	data, err := bech32.ConvertBits(program, 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := bech32.EncodeM("bc", append([]byte{0}, data...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The examples published with the Safe Browsing "URLs and hashing"
// specification.
func TestCanonicalURLSafeBrowsingExamples(t *testing.T) {
	cases := map[string]string{
		"http://host/%25%32%35":          "http://host/%25",
		"http://host/%25%32%35%25%32%35": "http://host/%25%25",
		"http://host/%2525252525252525":  "http://host/%25",
		"http://host/asdf%25%32%35asd":   "http://host/asdf%25asd",
		"http://host/%%%25%32%35asd%%":   "http://host/%25%25%25asd%25%25",
		"http://www.google.com/":         "http://www.google.com/",
		"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/":              "http://168.188.99.26/.secure/www.ebay.com/",
		"http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/": "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
		"http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B":                        "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
		"http://3279880203/blah":                    "http://195.127.0.11/blah",
		"http://www.google.com/blah/..":             "http://www.google.com/",
		"www.google.com/":                           "http://www.google.com/",
		"www.google.com":                            "http://www.google.com/",
		"http://www.evil.com/blah#frag":             "http://www.evil.com/blah",
		"http://www.GOOgle.com/":                    "http://www.google.com/",
		"http://www.google.com.../":                 "http://www.google.com/",
		"http://www.google.com/foo\tbar\rbaz\n2":    "http://www.google.com/foobarbaz2",
		"http://www.google.com/q?":                  "http://www.google.com/q?",
		"http://www.google.com/q?r?":                "http://www.google.com/q?r?",
		"http://www.google.com/q?r?s":               "http://www.google.com/q?r?s",
		"http://evil.com/foo#bar#baz":               "http://evil.com/foo",
		"http://evil.com/foo;":                      "http://evil.com/foo;",
		"http://evil.com/foo?bar;":                  "http://evil.com/foo?bar;",
		"http://\x01\x80.com/":                      "http://%01%80.com/",
		"http://notrailingslash.com":                "http://notrailingslash.com/",
		"http://www.gotaport.com:1234/":             "http://www.gotaport.com/",
		"  http://www.google.com/  ":                "http://www.google.com/",
		"http:// leadingspace.com/":                 "http://%20leadingspace.com/",
		"http://%20leadingspace.com/":               "http://%20leadingspace.com/",
		"%20leadingspace.com/":                      "http://%20leadingspace.com/",
		"https://www.securesite.com/":               "https://www.securesite.com/",
		"http://host.com/ab%23cd":                   "http://host.com/ab%23cd",
		"http://host.com//twoslashes?more//slashes": "http://host.com/twoslashes?more//slashes",
	}
	for in, want := range cases {
		got, err := CanonicalURL(in)
		if err != nil || got != want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestCanonicalURLMore(t *testing.T) {
	cases := map[string]string{
		"HTTPS://Exemple.FR:443/a/./b/../c":         "https://exemple.fr/a/c",
		"http://user:pass@paypal.com@evil.example/": "http://evil.example/",
		"http://0x7f.1/":                            "http://127.0.0.1/",
		"http://0300.0250.0.1/x":                    "http://192.168.0.1/x",
		"http://[2001:DB8::0001]/x":                 "http://[2001:db8::1]/x",
		"http://[::ffff:192.0.2.1]/":                "http://192.0.2.1/",
		"http://bücher.example/straße":              "http://xn--bcher-kva.example/stra%C3%9Fe",
		"hxxp://arnaque.example/login":              "http://arnaque.example/login",
		"exemple.fr:8080/x":                         "http://exemple.fr/x",
	}
	for in, want := range cases {
		got, err := CanonicalURL(in)
		if err != nil || got != want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"javascript:alert(1)", "mailto:a@b.fr", "data:text/html,x", "http://[::1/", ""} {
		if got, err := CanonicalURL(bad); err == nil {
			t.Errorf("CanonicalURL(%q) = %q, want an error", bad, got)
		}
	}
}

func TestCorrelationURLDropsTracking(t *testing.T) {
	cases := map[string]string{
		"https://shop.example/p?id=4&utm_source=fb&utm_campaign=x&fbclid=abc": "https://shop.example/p?id=4",
		"https://shop.example/p?gclid=1":                                      "https://shop.example/p",
		"https://shop.example/p?ref=a&UTM_MEDIUM=b":                           "https://shop.example/p?ref=a",
		"https://shop[.]example/p#section":                                    "https://shop.example/p",
	}
	for in, want := range cases {
		if got, err := CorrelationURL(in); err != nil || got != want {
			t.Errorf("CorrelationURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalise(t *testing.T) {
	ok := []struct {
		typ       Type
		raw, want string
	}{
		{Host, "WWW.Exemple.FR", "www.exemple.fr"},
		{Host, "exemple[.]fr", "exemple.fr"},
		{Domain, "https://login.secure.banque-exemple.co.uk/x", "banque-exemple.co.uk"},
		{Domain, "a.b.exemple.fr", "exemple.fr"},
		{Domain, "münchen.de", "xn--mnchen-3ya.de"},
		{IP, "192.0.2.010", "192.0.2.8"},
		{IP, "2001:0db8:0000::0001", "2001:db8::1"},
		{IP, "::ffff:198.51.100.7", "198.51.100.7"},
		{Email, "Jean.Dupont@Exemple.FR", "jean.dupont@exemple.fr"},
		{Email, "jean (at) exemple (dot) fr", "jean@exemple.fr"},
		{Email, "jean[at]exemple[.]fr", "jean@exemple.fr"},
		{Email, "mailto:contact@société.fr", "contact@xn--socit-esab.fr"},
		// libphonenumber's French and foreign formats.
		{Phone, "06 12 34 56 78", "+33612345678"},
		{Phone, "06.12.34.56.78", "+33612345678"},
		{Phone, "+33 (0)6 12 34 56 78", "+33612345678"},
		{Phone, "0033 6 12 34 56 78", "+33612345678"},
		{Phone, "01 42 68 53 00", "+33142685300"},
		{Phone, "+44 20 7946 0958", "+442079460958"},
		{Phone, "+1 (202) 555-0143", "+12025550143"},
		{Phone, "+225 07 07 12 34 56", "+2250707123456"},
		{Phone, "+32 470 12 34 56", "+32470123456"},
		// The IBAN registry's examples.
		{IBAN, "FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"},
		{IBAN, "FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"},
		{IBAN, "GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"},
		{IBAN, "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{IBAN, "be68 5390 0754 7034", "BE68539007547034"},
		{IBAN, "NL91ABNA0417164300", "NL91ABNA0417164300"},
		{IBAN, "ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332"},
		{IBAN, "IT60 X054 2811 1010 0000 0123 456", "IT60X0542811101000000123456"},
		{IBAN, "CH93 0076 2011 6238 5295 7", "CH9300762011623852957"},
		{IBAN, "AT61 1904 3002 3457 3201", "AT611904300234573201"},
		{IBAN, "NO93 8601 1117 947", "NO9386011117947"},
		{IBAN, "MT84 MALT 0110 0001 2345 MTLC AST0 01S", "MT84MALT011000012345MTLCAST001S"},
		{BIC, "BNPAFRPP", "BNPAFRPP"},
		{BIC, "bnpa fr pp xxx", "BNPAFRPP"},
		{BIC, "DEUTDEFF500", "DEUTDEFF500"},
		// BIP-173 and BIP-350 valid addresses; base58check.
		{BTC, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
		{BTC, "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"},
		{BTC, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"},
		{BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
		{BTC, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"},
		// EIP-55's examples, and the all-lower and all-upper forms.
		{ETH, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"},
		{ETH, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"},
		{ETH, "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb"},
		{ETH, "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", "0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb"},
		{ETH, "0x52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886e0f7030069857d2e4169ee7"},
		{TRX, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"},
		{Handle, "https://t.me/arnaque_crypto", "telegram:arnaque_crypto"},
		{Handle, "https://www.instagram.com/Faux.Conseiller/", "instagram:faux.conseiller"},
		{Handle, "https://m.facebook.com/profile.php?id=100012345678901&ref=x", "facebook:id:100012345678901"},
		{Handle, "https://www.tiktok.com/@invest.rapide", "tiktok:invest.rapide"},
		{Handle, "https://x.com/faux_support", "twitter:faux_support"},
		{Handle, "https://wa.me/33612345678", "whatsapp:+33612345678"},
		{Handle, "telegram:@Vendeur", "telegram:vendeur"},
		{SHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, c := range ok {
		got, err := Normalise(c.typ, c.raw, DefaultOptions)
		if err != nil || got != c.want {
			t.Errorf("Normalise(%s, %q) = %q, %v; want %q", c.typ, c.raw, got, err, c.want)
		}
	}
	bad := []struct {
		typ Type
		raw string
	}{
		{Host, "localhost"},
		{Domain, "192.0.2.1"},
		{IP, "256.1.1.1"},
		{IP, "1.2.3"},
		{Email, "pas un email"},
		{Email, "a@192.0.2.1"},
		{Phone, "12"},
		{Phone, "06 12 34"},
		{Phone, "+33 1 23"},
		{IBAN, "FR76 3000 6000 0112 3456 7890 188"}, // wrong check digits
		{IBAN, "FR76 3000 6000 0112 3456 7890"},     // too short for France
		{IBAN, "ZZ12 3456"},
		{IBAN, "GB82 WEST 1234 5698 7654 33"}, // one digit off the registry example
		{BIC, "BNPA"},
		{BIC, "BNPAZZPP"},
		{BTC, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"}, // BIP-173: bad checksum
		{BTC, segwitWithWrongVariant(t)},                    // BIP-350: v0 in bech32m
		{BTC, "tb1qw508d6qejxtdg4c5r3zarvary0c5xw7kxpjzsx"}, // testnet
		{BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"},         // bad base58 checksum
		{BTC, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7kv8f3t4"}, // mixed case
		{ETH, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"}, // checksum broken
		{ETH, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae"},  // 39 digits
		{TRX, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"},
		{Handle, "https://www.facebook.com/sharer.php?u=x"},
		{Handle, "https://example.com/user"},
		{SHA256, "abc"},
	}
	for _, c := range bad {
		if got, err := Normalise(c.typ, c.raw, DefaultOptions); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("Normalise(%s, %q) = %q, %v; want ErrInvalid", c.typ, c.raw, got, err)
		}
	}
}

// The quick path must agree with the full parser on every number it takes.
func TestPhoneQuickPathAgreesWithParser(t *testing.T) {
	rng := uint64(42)
	next := func() uint64 { rng = rng*6364136223846793005 + 1442695040888963407; return rng >> 33 }
	for i := 0; i < 20000; i++ {
		digits := []byte("0")
		for j := 0; j < 9; j++ {
			digits = append(digits, byte('0'+next()%10))
		}
		forms := []string{string(digits), "+33" + string(digits[1:]), "+33" + string(digits)}
		for _, f := range forms {
			quick, qValid, handled := quickCheck(f, "FR")
			if !handled {
				continue // "00…" is an international prefix: the full parser's case
			}
			num, err := phonenumbers.Parse(f, "FR")
			fullValid := err == nil && phonenumbers.IsValidNumber(num)
			if fullValid != qValid {
				t.Fatalf("%s: quick says %v, parser says %v", f, qValid, fullValid)
			}
			if fullValid && phonenumbers.Format(num, phonenumbers.E164) != quick {
				t.Fatalf("%s: quick %s, parser %s", f, quick, phonenumbers.Format(num, phonenumbers.E164))
			}
		}
	}
}
