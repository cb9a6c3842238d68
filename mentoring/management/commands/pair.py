"""`manage.py pair --instance IN.json --out OUT.json`: the pairing engine on a
stand-alone instance (format in DESIGN.md §4 and mentoring/pairing/instance.py)."""

import json

from django.core.management.base import BaseCommand, CommandError

from mentoring.pairing.instance import InstanceError, run


class Command(BaseCommand):
    help = "Pair mentees with mentors optimally from a JSON instance (DESIGN.md §4)."

    def add_arguments(self, parser):
        parser.add_argument("--instance", required=True, help="instance JSON file")
        parser.add_argument("--out", required=True, help="where to write the result JSON ('-' for stdout)")

    def handle(self, *args, instance, out, **options):
        try:
            with open(instance, encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as exc:
            raise CommandError(f"cannot read {instance}: {exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{instance} is not valid JSON: {exc}") from None
        try:
            result = run(data)
        except InstanceError as exc:
            raise CommandError(f"invalid instance {instance}: {exc}") from None
        text = json.dumps(result, indent=2, ensure_ascii=False)
        if out == "-":
            self.stdout.write(text)
            return
        try:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from None
        self.stdout.write(
            f"{len(result['pairs'])} pair(s), {len(result['unmatched'])} unmatched, "
            f"objective {result['objective']:.4f}, {result['seconds']:.3f} s -> {out}"
        )
