"""The demo data ``yima demo`` loads: demo data, not part of any feature.

* ``yima.demo.seed`` — the two partner zones (Chongqing and Chengdu high-tech zones), the demo
  users and their applications, entered through the same services a user would use.
* ``yima.demo.history_2021`` — the Chongqing High-tech Zone's 2021 history: a register, its
  registration matters, licences and seal sets from which Yima computes, exactly, the figures the
  zone published in its 2021 report, so that the dashboard shows a real year.
* ``yima.demo.ratings`` — the demo applicants' 好差评 of their decided applications, one bad
  rating put right through the reform office's ledger, at the time the demo is seeded.
"""
