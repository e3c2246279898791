"""Registration (企业登记): applications, 秒批 rules, credit codes, officer review, addresses."""
