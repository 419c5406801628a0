package reduction

import (
	"fmt"
	"strings"
)

// The unified social credit code (统一社会信用代码) of GB 32100-2015: 18
// characters — registration authority (1), entity type (1), administrative
// division (6 digits), organisation code (9, GB 11714) and a check
// character computed over the first 17.

// usccChars is the code's alphabet in value order (0–30): the digits and the
// capitals without I, O, S, V and Z, which read like digits or each other.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^i mod 31 for positions 1–17 (GB 32100-2015 §5).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar returns the check character for the first 17 characters of
// a code: 31 − (Σ value·weight mod 31), where 31 is written 0.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("need 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(usccChars, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %d (%q) is not allowed (0-9, A-H, J-N, P-R, T-U, W-Y)", i+1, first17[i])
		}
		sum += v * usccWeights[i]
	}
	return usccChars[(31-sum%31)%31], nil
}

// CheckUSCC reports what is wrong with a unified social credit code, nil
// when it is well formed and its check character is right. It does not ask
// the registry whether the code was issued.
func CheckUSCC(code string) error {
	if len(code) != 18 {
		return fmt.Errorf("must be 18 characters, got %d", len([]rune(code)))
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return fmt.Errorf("characters 3–8 are the administrative division code and must be digits, got %q", code[2:8])
		}
	}
	want, err := USCCCheckChar(code[:17])
	if err != nil {
		return err
	}
	if strings.IndexByte(usccChars, code[17]) < 0 {
		return fmt.Errorf("character 18 (%q) is not allowed (0-9, A-H, J-N, P-R, T-U, W-Y)", code[17])
	}
	if code[17] != want {
		return fmt.Errorf("check character is %q, the first 17 characters give %q", code[17], want)
	}
	return nil
}
