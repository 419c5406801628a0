package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
)

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, PEM, into dir.
type testPKI struct{ ca, serverCert, serverKey, clientCert, clientKey string }

func newTestPKI(t *testing.T, dir string) testPKI {
	t.Helper()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := func() (*ecdsa.PrivateKey, []byte) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalECPrivateKey(k)
		return k, der
	}
	caKey, _ := key()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "aqwarn test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	caCertDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caCertDER)
	leaf := func(serial int64, usage x509.ExtKeyUsage, name string) ([]byte, []byte) {
		k, der := key()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
		c, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return c, der
	}
	sc, sk := leaf(2, x509.ExtKeyUsageServerAuth, "127.0.0.1")
	cc, ck := leaf(3, x509.ExtKeyUsageClientAuth, "aqwarn-tls")
	return testPKI{ca: write("ca.pem", "CERTIFICATE", caCertDER), serverCert: write("server.pem", "CERTIFICATE", sc),
		serverKey: write("server-key.pem", "EC PRIVATE KEY", sk), clientCert: write("client.pem", "CERTIFICATE", cc),
		clientKey: write("client-key.pem", "EC PRIVATE KEY", ck)}
}

// Transport security (audit M10): the service talks to a Mosquitto TLS
// listener that requires client certificates (tls://, mqtt.ca_file,
// cert_file, key_file) and serves HTTPS with HSTS (http.tls_cert,
// tls_key): a station's reading sent over TLS reaches the public AQI over
// HTTPS; plain HTTP on that port gets no answer.
func TestTLSEverywhere(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, dir)
	tlsPort := testenv.FreePort(t)
	testenv.StartMosquittoWith(t, fmt.Sprintf(`allow_anonymous true
listener %d 127.0.0.1
cafile %s
certfile %s
keyfile %s
require_certificate true
`, tlsPort, pki.ca, pki.serverCert, pki.serverKey))
	brokerURL := fmt.Sprintf("tls://127.0.0.1:%d", tlsPort)
	cfgPath := filepath.Join(dir, "aqwarn.yaml")
	os.WriteFile(cfgPath, fmt.Appendf(nil, `
http: {addr: "127.0.0.1:0", tls_cert: %q, tls_key: %q}
mqtt: {embedded: false, url: %q, client_id: aqwarn-tls, topic_prefix: aq, ca_file: %q, cert_file: %q, key_file: %q}
store: {dir: %q, readings: embedded}
aqi: {edition: auto, schedule: "5 * * * *", on_data: 100ms}
demo: {enabled: false}

stations: [{id: sa, name_zh: 甲站, name_en: Station A, region: jianghua, pollutants: [pm25]}]
`, pki.serverCert, pki.serverKey, brokerURL, pki.ca, pki.clientCert, pki.clientKey, filepath.Join(dir, "store")), 0o644)
	svc := startService(t, []string{"serve", "--config", cfgPath}, nil)
	if svc.URL[:8] != "https://" {
		t.Fatalf("the service says it listens on %s, want https://", svc.URL)
	}
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(pki.ca)
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	eventually(t, "/readyz over HTTPS with the TLS broker connected", 30*time.Second, func() bool {
		resp, err := client.Get(svc.URL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	resp, err := client.Get(svc.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over HTTPS")
	}
	plain := "http://" + svc.URL[len("https://"):]
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(plain + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP was answered on the HTTPS port")
		}
	}

	// A station over TLS with its client certificate.
	cert, err := tls.LoadX509KeyPair(pki.clientCert, pki.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	st := paho.NewClient(paho.NewClientOptions().AddBroker(brokerURL).SetClientID("station-sa").
		SetTLSConfig(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}).SetConnectTimeout(5 * time.Second))
	if tok := st.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("station over TLS: %v", tok.Error())
	}
	defer st.Disconnect(100)
	last := time.Now().Truncate(time.Hour)
	for i := 29; i >= 0; i-- {
		r := aqwarn.Reading{Station: "sa", Time: last.Add(-time.Duration(i) * time.Hour), Interval: time.Hour,
			Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 80}}}
		st.Publish("aq/stations/sa/readings", 1, false, simulate.EncodeJSON(r)).WaitTimeout(5 * time.Second)
	}
	eventually(t, "the station's AQI over HTTPS", 30*time.Second, func() bool {
		resp, err := client.Get(svc.URL + "/api/v1/aqi/current?station=sa")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var cur struct {
			Stations []struct {
				Hourly struct {
					AQI *int `json:"aqi"`
				} `json:"hourly"`
			} `json:"stations"`
		}
		return resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&cur) == nil && len(cur.Stations) == 1 && cur.Stations[0].Hourly.AQI != nil
	})
}
