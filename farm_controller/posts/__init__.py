"""Posts: from a scheduler's submission to each account's published (or refused) target.

    submission.py    submit, cancel and decide posts (confirm mode); the API's checks
    rules.py         the platform's limits as data: daily caps, quiet hours, duplicates
    limits.py        what each app allows in one post (text length, image count)
    recurrence.py    when a post's occurrences are (once, every N s, cron)
    dispatch.py      due occurrences → `publish_post` jobs, idempotently
    outcomes.py      a publish job's state → its target's; the unconfirmed (check-first) policy
    publish_job.py   PublishJob: the `publish_post` kind's rules (its task, parking, late success)
    calendar.py      every occurrence of every account in a time range
    slots.py         an account's posting time slots and the next free one
    schedule_csv.py  a schedule as CSV: export, import row by row

Services only: they raise `farm_controller.errors` and never import fastapi.
"""
