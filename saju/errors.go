package saju

// FieldError reports a birth field that is out of range or names a date
// that does not exist. Field is "year", "month", "day" or "hour", as in
// [Birth], or an option of [Options]: "minute" and "longitude" (the API's
// birth_minute and birth_longitude), "is_leap_month", "calendar" or
// "day_boundary". Message says what is wrong without repeating the value,
// so that it can be shown or logged without disclosing a birth date.
type FieldError struct {
	Field   string
	Message string
}

// Error returns the field and the message, such as "saju: day must be
// between 1 and 30 in that month".
func (e *FieldError) Error() string {
	return "saju: " + e.Field + " " + e.Message
}
