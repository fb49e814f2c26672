using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static ActorDispatch.Server.Tests.ServerFixture;
using static Microsoft.Playwright.Assertions;

namespace ActorDispatch.Server.Tests.Dashboard;

/// <summary>
/// The dashboard at <c>/ui</c> in a real headless chromium against a real server: live figures,
/// the delivery controls (each checked through the REST API afterwards), and no script errors.
/// </summary>
[Trait("Category", "Browser")]
public sealed class DashboardSpec(ServerFixture server, DashboardBrowser browser) : IClassFixture<ServerFixture>, IClassFixture<DashboardBrowser>
{
    /// <summary>Set to a file path, the screenshot spec writes the dashboard there (docs/dashboard.png).</summary>
    public const string ScreenshotVariable = "ACTORDISPATCH_DASHBOARD_SCREENSHOT";

    [SkippableFact]
    public async Task The_page_shows_live_figures_and_its_pause_reset_and_resume_buttons_work()
    {
        await using var receiver = await LocalReceiver.StartAsync(_ => StatusCodes.Status200OK);
        var ns = NewNamespace();
        await CreateWebhookAsync(ns, "hook", receiver.Url);
        await using var open = await OpenAsync(ns);
        var page = open.Page;
        var row = Row(page, ns, "hook");
        await Expect(Field(row, "transport")).ToHaveTextAsync("webhooks");
        await Expect(Field(row, "offset")).ToHaveTextAsync("0");

        await AppendAsync(ns, 2);
        await Expect(Field(row, "offset")).ToHaveTextAsync("2");
        await Expect(Field(row, "lag")).ToHaveTextAsync("0");
        await Expect(page.Locator($"[data-namespace='{ns}'] [data-field=head]")).ToHaveTextAsync("head 2");
        // The sparkline has drawn a rate above zero (y below the baseline of 23).
        await Expect(row.Locator("polyline")).ToHaveAttributeAsync("points", new Regex(@",(?!23\.0)\d+\.\d"));

        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(Field(row, "state")).ToHaveTextAsync("paused");
        Assert.True((bool)(await StatusAsync(ns, "hook"))["paused"]!);
        await AppendAsync(ns, 3);
        await Expect(Field(row, "lag")).ToHaveTextAsync("3");
        await Expect(Field(row, "offset")).ToHaveTextAsync("2");

        await row.GetByRole(AriaRole.Button, new() { Name = "Parked & reset" }).ClickAsync();
        var detail = page.Locator("#detail");
        await detail.GetByLabel("Reset so that the next delivery is").FillAsync("oldest");
        await detail.GetByRole(AriaRole.Button, new() { Name = "Reset" }).ClickAsync();
        await Expect(Field(row, "offset")).ToHaveTextAsync("0");
        await Expect(Field(row, "lag")).ToHaveTextAsync("5");
        Assert.Equal(0, (long)(await StatusAsync(ns, "hook"))["currentOffset"]!);

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(Field(row, "offset")).ToHaveTextAsync("5");
        await Expect(Field(row, "state")).Not.ToHaveTextAsync("paused");
        var status = await StatusAsync(ns, "hook");
        Assert.False((bool)status["paused"]!);
        Assert.Equal(5, (long)status["currentOffset"]!);
        Assert.Empty(open.Errors);
    }

    [SkippableFact]
    public async Task Parked_events_are_listed_and_the_replay_and_discard_buttons_work()
    {
        var accept = false; // the receiver refuses "poison" until the test changes its mind
        await using var receiver = await LocalReceiver.StartAsync(body =>
            (string?)body["kind"] == "poison" && !Volatile.Read(ref accept) ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK);
        var ns = NewNamespace();
        await CreateWebhookAsync(ns, "hook", receiver.Url, """ "maxDeliveries":1, "retry":{"enabled":false}, """);
        await AppendAsync(ns, """[{"type":"t","data":{"kind":"poison"}},{"type":"t","data":{"kind":"fine"}},{"type":"t","data":{"kind":"poison"}}]""");
        await using var open = await OpenAsync(ns);
        var page = open.Page;
        var row = Row(page, ns, "hook");
        await Expect(Field(row, "parked")).ToHaveTextAsync("2");
        await Expect(Field(row, "offset")).ToHaveTextAsync("3");

        await row.GetByRole(AriaRole.Button, new() { Name = "Parked & reset" }).ClickAsync();
        var detail = page.Locator("#detail");
        await Expect(detail.Locator("tr[data-sequence]")).ToHaveCountAsync(2);
        await Expect(detail.Locator("tr[data-sequence='1'] [data-field=reason]")).Not.ToBeEmptyAsync();

        await detail.Locator("tr[data-sequence='3']").GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await Expect(detail.Locator("tr[data-sequence]")).ToHaveCountAsync(1);
        Assert.Equal(new[] { 1L }, await ParkedAsync(ns, "hook"));

        Volatile.Write(ref accept, true);
        await detail.Locator("tr[data-sequence='1']").GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();
        await Expect(detail.Locator("tr[data-sequence]")).ToHaveCountAsync(0);
        await Expect(Field(row, "parked")).ToHaveTextAsync("0");
        Assert.Empty(await ParkedAsync(ns, "hook"));
        Assert.Empty(open.Errors);
    }

    /// <summary>
    /// Writes the README's screenshot when <see cref="ScreenshotVariable"/> names a file: a few
    /// subscriptions with traffic, one paused with a lag, one with parked events.
    /// </summary>
    [SkippableFact]
    public async Task Screenshot_of_a_busy_dashboard()
    {
        var path = Environment.GetEnvironmentVariable(ScreenshotVariable);
        Skip.If(string.IsNullOrEmpty(path), $"skipped: {ScreenshotVariable} is not set");
        await using var receiver = await LocalReceiver.StartAsync(_ => StatusCodes.Status200OK);
        await using var picky = await LocalReceiver.StartAsync(body => (string?)body["kind"] == "poison" ? 500 : 200);
        const string ns = "orders";
        await CreateWebhookAsync(ns, "billing", receiver.Url);
        await CreateWebhookAsync(ns, "shipping", picky.Url, """ "maxDeliveries":1, "retry":{"enabled":false}, """);
        await CreateWebhookAsync(ns, "analytics", receiver.Url);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions/analytics/pause", NoBody())).StatusCode);
        await using var open = await browser.OpenAsync(new Uri(server.BaseAddress, $"/ui/?ns={ns}&interval=250"), new ViewportSize { Width = 1280, Height = 640 });
        await Row(open.Page, ns, "shipping").GetByRole(AriaRole.Button, new() { Name = "Parked & reset" }).ClickAsync();
        for (var i = 0; i < 60; i++)
        {
            var kind = i % 25 == 7 ? "poison" : "order";
            await AppendAsync(ns, $$$"""[{"type":"order.placed","data":{"kind":"{{{kind}}}","n":{{{i}}}}},{"type":"order.paid","data":{"n":{{{i}}}}}]""");
            await open.Page.WaitForTimeoutAsync(80 + 50 * (i % 7)); // an uneven rate, for the sparklines
        }
        // Taken while the last events are still arriving, so the rates are not all zero.
        await Expect(open.Page.Locator("#detail tr[data-sequence]")).ToHaveCountAsync(3);
        await open.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
    }

    private async Task<DashboardBrowser.OpenPage> OpenAsync(string ns) =>
        await browser.OpenAsync(new Uri(server.BaseAddress, $"/ui/?ns={ns}&interval=250"));

    private static ILocator Row(IPage page, string ns, string name) => page.Locator($"tr[data-subscription='{ns}/{name}']");

    private static ILocator Field(ILocator row, string field) => row.Locator($"[data-field={field}]");

    private async Task CreateWebhookAsync(string ns, string name, string url, string extraOptions = "")
    {
        var created = await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body($$$"""{"name":"{{{name}}}","transport":"webhooks","options":{ {{{extraOptions}}} "firstEvent":"oldest","url":"{{{url}}}"}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private Task AppendAsync(string ns, int count) =>
        AppendAsync(ns, new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["type"] = "t", ["data"] = new JsonObject { ["n"] = i } }).ToArray())
            .ToJsonString());

    private async Task AppendAsync(string ns, string events)
    {
        var appended = await server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body(events));
        Assert.True(appended.IsSuccessStatusCode, await appended.Content.ReadAsStringAsync());
    }

    private async Task<JsonNode> StatusAsync(string ns, string name) =>
        (await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/{name}?fetchstatus=true")))["status"]!;

    private async Task<long[]> ParkedAsync(string ns, string name) =>
        (await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/{name}/parked"))).AsArray().Select(p => (long)p!["sequence"]!).ToArray();
}
