package pgtest

import (
	"net/url"
	"strings"
)

// withSettings returns dsn with the given connection settings replaced.
// Both DSN forms are handled: URLs (postgres://...) get them as query
// parameters, keyword/value strings get them appended, where a later
// keyword overrides an earlier one.
func withSettings(dsn string, settings map[string]string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			for k, v := range settings {
				switch k {
				case "dbname":
					u.Path = "/" + v
				case "user":
					pass, ok := u.User.Password()
					if p, set := settings["password"]; set {
						pass, ok = p, true
					}
					if ok {
						u.User = url.UserPassword(v, pass)
					} else {
						u.User = url.User(v)
					}
				case "password":
					if _, set := settings["user"]; !set && u.User != nil {
						u.User = url.UserPassword(u.User.Username(), v)
					}
				default:
					q.Set(k, v)
				}
			}
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	var b strings.Builder
	b.WriteString(dsn)
	for _, k := range sortedKeys(settings) {
		b.WriteString(" ")
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(quoteValue(settings[k]))
	}
	return b.String()
}

func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`) {
		return v
	}
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, `'`, `\'`)
	return "'" + v + "'"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
