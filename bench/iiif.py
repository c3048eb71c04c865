"""Validates a served zoomap site's IIIF Presentation 3 documents against the models of
iiif-prezi3 (the IIIF community's Python library, pydantic models generated from the
Presentation 3 JSON schema): the map's Manifest, the items' Collection (and its nested
Collections), and every item's Manifest it lists (or the first LIMIT). Prints one line per
document kind with the count validated, and each failure with its pydantic error; exits
non-zero on any failure.

Usage: python bench/iiif.py SITE_URL [LIMIT]
"""

import json
import sys
import urllib.request

from iiif_prezi3 import Collection, Manifest


def fetch(url):
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def validate(model, url, failures):
    """Validates the document at `url` as `model`; returns it."""
    document = fetch(url)
    try:
        model.model_validate(document)
    except Exception as error:  # pydantic's ValidationError, or a model's own
        failures.append(f"{url}: {error}")
    return document


def main():
    site = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    failures = []
    validate(Manifest, f"{site}iiif/manifest.json", failures)
    print("map Manifest: 1 validated")
    top = validate(Collection, f"{site}iiif/collection.json", failures)
    manifests, collections = [], 1
    for entry in top["items"]:
        if entry["type"] == "Collection":
            collections += 1
            nested = validate(Collection, entry["id"], failures)
            manifests.extend(item["id"] for item in nested["items"])
        else:
            manifests.append(entry["id"])
    print(f"Collections: {collections} validated")
    for url in manifests[:limit]:
        validate(Manifest, url, failures)
    print(f"item Manifests: {len(manifests[:limit])} of {len(manifests)} validated")
    for failure in failures:
        print("FAILED", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
