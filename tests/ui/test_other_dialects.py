"""The other dialects' data in the dashboard: an Alchemite CSV uploaded with progress and
previewed, a registry run's chart of record values over time."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.registry import BASE, add_record, bearer, record_form
from tests.support.server import RunningServer
from tests.ui.conftest import shoot
from tests.ui.test_dashboard import sign_in

pytestmark = pytest.mark.slow

CSV = "sample,temperature,pressure,yield\n" + "".join(
    f"s{n},{20 + n},{1 + n / 10},{n * 3}\n" for n in range(12)
)


class TestAlchemiteDatasets:
    def test_a_csv_uploads_with_progress_and_shows_its_counts_and_first_rows(
        self, page: Page, server: RunningServer, tmp_path: Path
    ) -> None:
        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/tabular")
        page.get_by_label("Name").fill("yield")
        page.get_by_role("button", name="Create the tabular model").click()
        expect(page.get_by_role("heading", name=re.compile("^yield"))).to_be_visible()

        source = tmp_path / "yield.csv"
        source.write_text(CSV)
        page.get_by_label("Training data").set_input_files(str(source))
        page.get_by_label("Descriptor columns").fill("temperature, pressure")
        page.get_by_role("button", name="Upload the CSV").click()
        expect(page.locator("progress[aria-label='Upload progress']")).to_have_attribute(
            "value", "100"
        )
        expect(page.locator("[data-dataset-counts]")).to_contain_text("12 rows, 3 columns")
        preview = page.locator("[data-preview]")
        expect(preview.locator("tbody tr")).to_have_count(10)
        expect(preview.locator("thead")).to_contain_text("temperature")
        shoot(page, server, "tabular-preview")

        page.reload()
        expect(page.locator("[data-dataset-counts]")).to_contain_text("12 rows, 3 columns")

        page.get_by_role("button", name="Train on this dataset").click()
        for _ in range(60):
            if page.get_by_role("heading", name="yield trained").count():
                break
            page.wait_for_timeout(1000)
            page.reload()
        expect(page.get_by_role("heading", name="yield trained")).to_be_visible()
        page.get_by_label("Rows to predict").fill(
            "sample,temperature,pressure,yield\nnew,25,1.5,\n"
        )
        page.get_by_role("button", name="Predict").click()
        predicted = page.locator("[data-predicted]")
        expect(predicted.locator("thead")).to_contain_text("yield")
        expect(predicted.locator("tbody tr")).to_have_count(1)
        shoot(page, server, "tabular")

    def test_a_csv_the_service_refuses_shows_the_reason(
        self, page: Page, server: RunningServer, tmp_path: Path
    ) -> None:
        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/tabular")
        page.get_by_label("Name").fill("broken")
        page.get_by_role("button", name="Create the tabular model").click()
        source = tmp_path / "broken.csv"
        source.write_text("sample,a,a\ns1,1,2\n")
        page.get_by_label("Training data").set_input_files(str(source))
        page.get_by_role("button", name="Upload the CSV").click()
        expect(page.get_by_role("alert")).to_contain_text("columnHeaders")


class TestRegistryRuns:
    def test_a_runs_page_draws_its_models_record_values_over_time(
        self, page: Page, server: RunningServer
    ) -> None:
        with httpx.Client(base_url=server.url, headers=bearer(server.token)) as http:
            made = http.post(BASE, json={"model_name": "soil", "experiment_name": "spring"})
            assert made.status_code == 201, made.text
            model_id = made.json()["id"]
            run = http.post(f"{BASE}/id/{model_id}/runs", json={"model_run_info": {"lr": 0.1}})
            assert run.status_code == 201, run.text
            other = {"model_run_info": {"lr": 0.2, "epochs": 3}}
            assert http.post(f"{BASE}/id/{model_id}/runs", json=other).status_code == 201
            for hour, moisture in enumerate([0.31, 0.28, 0.35, 0.4]):
                form = record_form(
                    f"2026-05-01T{hour + 8:02d}:00:00",
                    {"moisture": moisture},
                    experiment_name="spring",
                )
                added = add_record(http, {}, model_id, form)
                assert added.status_code == 201, added.text

        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/registry")
        expect(page.get_by_role("heading", name="soil")).to_be_visible()
        page.get_by_role("link", name=f"run {run.json()['id'][:8]}").click()
        chart = page.locator('[data-chart="model_data.moisture"]')
        expect(chart.locator("circle.dot")).to_have_count(4)
        expect(chart.locator('circle.dot[data-value="0.4"]')).to_have_count(1)
        shoot(page, server, "registry-run")

        page.go_back()
        for box in page.get_by_role("checkbox").all():
            box.check()
        page.get_by_role("button", name="Compare the chosen runs").click()
        compared = page.locator("[data-compare]")
        expect(compared.locator("thead th")).to_have_count(3)
        expect(compared.locator("tbody tr")).to_have_count(2)
        expect(compared.locator("tbody tr", has_text="lr")).to_contain_text("0.1")
        expect(compared.locator("tbody tr", has_text="lr")).to_contain_text("0.2")
        shoot(page, server, "registry-compare")


class TestLeia:
    def test_an_uploaded_document_and_the_application_are_listed(
        self, page: Page, server: RunningServer
    ) -> None:
        leia = f"{server.url}/leia/1.0.0"
        with httpx.Client() as http:
            login = http.get(f"{leia}/login/{server.token}")
            assert login.status_code == 200, login.text
            token = login.json()["token"]
            made = http.post(
                f"{leia}/document",
                params={"filename": "notes.txt"},
                content=b"a document",
                headers={"token": token, "Content-Type": "application/octet-stream"},
            )
            assert made.status_code == 200, made.text
        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/leia")
        expect(page.locator('[data-list="documents"]')).to_contain_text("notes.txt")
        expect(
            page.get_by_role("heading", name=re.compile(r"^Documents of .*\(1\)"))
        ).to_be_visible()
        shoot(page, server, "leia")


class TestLightly:
    def test_a_local_datasources_files_are_browsed_and_read(
        self, page: Page, server: RunningServer, tmp_path: Path
    ) -> None:
        root = tmp_path / "pictures"
        root.mkdir()
        for name in ("a.jpg", "b.jpg"):
            (root / name).write_bytes(f"picture {name}".encode())
        with httpx.Client(base_url=f"{server.url}/v1", params={"token": server.token}) as http:
            made = http.post("/datasets", json={"name": "pictures"})
            assert made.status_code == 201, made.text
            dataset_id = made.json()["id"]
            source = {"type": "LOCAL", "fullPath": str(root), "thumbSuffix": None}
            configured = http.put(f"/datasets/{dataset_id}/datasource", json=source)
            assert configured.status_code == 200, configured.text
        sign_in(page, server)
        page.goto(server.url + "/ui/projects/default/lightly")
        expect(page.locator('[data-list="lightly"]')).to_contain_text("pictures")
        page.get_by_role("link", name="browse").click()
        files = page.locator("[data-files] a")
        expect(files).to_have_count(2)
        shoot(page, server, "lightly-files")
        link = page.get_by_role("link", name="a.jpg").get_attribute("href")
        assert link is not None
        assert httpx.get(link).content == b"picture a.jpg"
