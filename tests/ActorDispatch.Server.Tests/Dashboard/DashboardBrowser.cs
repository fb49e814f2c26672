using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace ActorDispatch.Server.Tests.Dashboard;

/// <summary>
/// Debian's chromium (<c>ACTORDISPATCH_TEST_CHROMIUM</c>, its executable), headless, driven by
/// Playwright's bundled driver: no browser is downloaded. One browser per test class; each test
/// opens a context of its own (no shared storage) through <see cref="OpenAsync"/>, which records
/// every script error and console error of the page.
/// </summary>
public sealed class DashboardBrowser : IAsyncLifetime
{
    public const string ChromiumVariable = "ACTORDISPATCH_TEST_CHROMIUM";

    /// <summary>Long enough for a loaded machine; the page polls every 250 ms in the specs.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private IPlaywright? _playwright;

    public static string? Executable => Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } path ? path : null;

    public IBrowser? Browser { get; private set; }

    public async Task InitializeAsync()
    {
        if (Executable is not { } executable) return; // the specs skip
        Assertions.SetDefaultExpectTimeout((float)Timeout.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>A fresh context and page at <paramref name="url"/>; dispose it to close both.</summary>
    public async Task<OpenPage> OpenAsync(Uri url, ViewportSize? viewport = null)
    {
        Skip.If(Browser is null, $"skipped: {ChromiumVariable} is not set (.ci/run sets it)");
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport ?? new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        var open = new OpenPage(context, page);
        page.PageError += (_, error) => open.Errors.Enqueue($"page error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error") open.Errors.Enqueue($"console error: {message.Text}");
        };
        await page.GotoAsync(url.ToString());
        return open;
    }

    /// <summary>A page and what went wrong in it.</summary>
    public sealed class OpenPage(IBrowserContext context, IPage page) : IAsyncDisposable
    {
        public IPage Page { get; } = page;

        /// <summary>Script errors and console errors, as they came (Playwright raises the events on its own thread).</summary>
        public ConcurrentQueue<string> Errors { get; } = new();

        public async ValueTask DisposeAsync() => await context.DisposeAsync();
    }
}
