using System.Globalization;
using Akka.Configuration;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>Walks <c>--flag value</c> pairs; errors are <see cref="ArgumentException"/>s naming the flag.</summary>
internal sealed class Flags(string[] args)
{
    private int _index = -1;

    public string Current => args[_index];

    public bool MoveNext() => ++_index < args.Length;

    public string Value() => _index + 1 < args.Length ? args[++_index] : throw new ArgumentException($"missing value for {Current}");

    public int Int(int min = int.MinValue)
    {
        var flag = Current;
        var text = Value();
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new ArgumentException($"{flag} must be an integer >= {min}, not '{text}'");
        return value;
    }

    /// <summary>A HOCON value, checked here and returned as text so that it can be printed with the results.</summary>
    public string Hocon()
    {
        var flag = Current;
        var text = Value();
        try
        {
            ConfigurationFactory.ParseString(text);
            return text;
        }
        catch (Exception e)
        {
            throw new ArgumentException($"{flag} is not valid HOCON: {e.Message}");
        }
    }

    public ArgumentException Unknown() => new($"unknown option {Current}");
}
