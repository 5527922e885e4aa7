package web_test

import (
	"context"
	"fmt"

	"github.com/chromedp/chromedp"
)

// Small actions on CSS selectors, so the flow reads as what a person does.

func chromedpClick(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel))
}

// chromedpType types into a field with key events, so the page's input
// handlers run as they would for a person.
func chromedpType(sel, s string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), s)
}

// chromedpSelect picks an option of a select.
func chromedpSelect(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(chromedp.CSS(sel), value)
}

// chromedpClear empties a field and tells the page, as deleting the text
// by hand would.
func chromedpClear(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = ""; e.dispatchEvent(new Event("input")); return true })()`, sel))(ctx, t)
		return err
	})
}
