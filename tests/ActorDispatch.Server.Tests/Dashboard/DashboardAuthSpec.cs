using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorDispatch.Server.Tests.Dashboard;

/// <summary>
/// The dashboard on a server with authentication: the page itself is open, its API calls carry
/// the credentials entered in it, and refusals (401, 403) show as such.
/// </summary>
[Trait("Category", "Browser")]
public sealed class DashboardAuthSpec(AuthFixture server, DashboardBrowser browser) : IClassFixture<AuthFixture>, IClassFixture<DashboardBrowser>
{
    private static readonly AuthenticationHeaderValue Admin = AuthFixture.Basic("admin");

    [SkippableFact]
    public async Task Without_credentials_the_page_asks_for_them_and_with_them_it_shows_the_figures()
    {
        var ns = await NewNamespaceWithSubscription();
        await using var open = await browser.OpenAsync(new Uri(server.BaseAddress, $"/ui/?ns={ns}&interval=250"));
        var page = open.Page;
        var signIn = page.Locator("#sign-in");
        await Expect(signIn).ToBeVisibleAsync();
        await Expect(page.GetByTestId("message")).ToContainTextAsync("Sign in");
        await Expect(page.Locator("#main")).ToBeHiddenAsync();

        await signIn.GetByLabel("User").FillAsync("admin");
        await signIn.GetByLabel("Password").FillAsync("not the password");
        await signIn.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("message")).ToContainTextAsync("did not accept these credentials");
        await Expect(page.Locator("#main")).ToBeHiddenAsync();

        await signIn.GetByLabel("API key").FillAsync(AuthFixture.ReaderKey);
        await signIn.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var row = page.Locator($"tr[data-subscription='{ns}/local']");
        await Expect(row.Locator("[data-field=transport]")).ToHaveTextAsync("system");
        await Expect(page.GetByTestId("who")).ToHaveTextAsync("API key");
        AssertNoErrorsButRefusals(open);
    }

    [SkippableFact]
    public async Task A_reader_is_refused_the_controls_with_a_clear_message_and_an_admin_may_use_them()
    {
        var ns = await NewNamespaceWithSubscription();
        await using var open = await browser.OpenAsync(new Uri(server.BaseAddress, $"/ui/?ns={ns}&interval=250"));
        var page = open.Page;
        await SignInAsync(page, "reader");
        var row = page.Locator($"tr[data-subscription='{ns}/local']");
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        var message = page.GetByTestId("message");
        await Expect(message).ToContainTextAsync("Refused (403)");
        await Expect(message).ToContainTextAsync("needs admin");
        Assert.False((bool)(await StatusAsync(ns))["paused"]!);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await SignInAsync(page, "admin");
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(row.Locator("[data-field=state]")).ToHaveTextAsync("paused");
        Assert.True((bool)(await StatusAsync(ns))["paused"]!);
        AssertNoErrorsButRefusals(open);
    }

    [SkippableFact]
    public async Task A_namespace_outside_the_credentials_shows_its_refusal_and_the_others_their_figures()
    {
        var other = await NewNamespaceWithSubscription();
        var created = await server.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{AuthFixture.ScopedNamespace}/subscriptions", Admin,
            """{"name":"local","transport":"system"}""");
        Assert.True(created.IsSuccessStatusCode);
        await using var open = await browser.OpenAsync(new Uri(server.BaseAddress, $"/ui/?ns={AuthFixture.ScopedNamespace}&ns={other}&interval=250"));
        var page = open.Page;
        await SignInAsync(page, "scoped");
        await Expect(page.Locator($"tr[data-subscription='{AuthFixture.ScopedNamespace}/local'] [data-field=transport]")).ToHaveTextAsync("system");
        var refused = page.Locator($"[data-namespace='{other}'] .ns-error");
        await Expect(refused).ToContainTextAsync("Refused (403)");
        await Expect(refused).ToContainTextAsync($"may not use namespace '{other}'");
        AssertNoErrorsButRefusals(open);
    }

    private static async Task SignInAsync(IPage page, string user)
    {
        var signIn = page.Locator("#sign-in");
        await signIn.GetByLabel("User").FillAsync(user);
        await signIn.GetByLabel("Password").FillAsync(AuthFixture.Password);
        await signIn.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("who")).ToHaveTextAsync(user);
    }

    // Chromium logs each 401 and 403 answer as a console error; those are the point here.
    private static void AssertNoErrorsButRefusals(DashboardBrowser.OpenPage open) =>
        Assert.DoesNotContain(open.Errors, e => !e.Contains("Failed to load resource: the server responded with a status of 40", StringComparison.Ordinal));

    private async Task<string> NewNamespaceWithSubscription()
    {
        var ns = ServerFixture.NewNamespace();
        var created = await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/subscriptions", Admin, """{"name":"local","transport":"system"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return ns;
    }

    private async Task<JsonNode> StatusAsync(string ns) =>
        (await ServerFixture.ReadJson(await server.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/subscriptions/local?fetchstatus=true", Admin)))["status"]!;
}
