"""Investment projects and key-enterprise service (招商引资, 金牌店小二): SPEC C11."""
