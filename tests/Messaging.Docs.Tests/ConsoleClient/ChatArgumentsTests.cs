using ChatClient;

namespace Messaging.Docs.Tests.ConsoleClient;

/// <summary>The console client's command line (<c>samples/ChatClient</c>).</summary>
public sealed class ChatArgumentsTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--user", "alice", "--help")]
    [InlineData("--help", "--bogus")]
    public void Help_prints_the_usage_to_standard_output_and_exits_0(params string[] args)
    {
        var (arguments, exitCode, output, error) = Parse(args);

        Assert.Null(arguments);
        Assert.Equal(0, exitCode);
        Assert.Contains("usage: ChatClient --user <id>", output, StringComparison.Ordinal);
        Assert.Contains("--help", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("unknown option --bogus.", "--bogus")]
    [InlineData("unknown option --bogus.", "--bogus", "value")]
    [InlineData("unknown option --verbose.", "--user", "alice", "--verbose")]
    [InlineData("unknown option alice.", "alice")]
    [InlineData("--user needs a value.", "--user")]
    [InlineData("--server needs a value.", "--user", "alice", "--server")]
    [InlineData("--user is required.")]
    [InlineData("--user is required.", "--device", "phone")]
    [InlineData("--server ftp://example is not an absolute http or https URL.", "--user", "alice", "--server", "ftp://example")]
    [InlineData("--server localhost:5000 is not an absolute http or https URL.", "--user", "alice", "--server", "localhost:5000")]
    public void A_bad_command_line_prints_the_problem_and_the_usage_to_standard_error_and_exits_2(string problem, params string[] args)
    {
        var (arguments, exitCode, output, error) = Parse(args);

        Assert.Null(arguments);
        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.StartsWith(problem + Environment.NewLine, error, StringComparison.Ordinal);
        Assert.Contains("usage: ChatClient --user <id>", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nobody!")]
    [InlineData("alice bob")]
    [InlineData("")]
    public void A_user_id_the_browser_would_refuse_is_refused(string user)
    {
        var (arguments, exitCode, _, error) = Parse(["--user", user]);

        Assert.Null(arguments);
        Assert.Equal(2, exitCode);
        Assert.StartsWith($"--user: \"{user}\" is not a valid user id: {UserIds.Rule}.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_command_line_gives_the_arguments_and_prints_nothing()
    {
        var (arguments, exitCode, output, error) = Parse(["--server", "http://127.0.0.1:5001", "--user", "élodie", "--device", "phone"]);

        Assert.Equal(new ChatArguments(new Uri("http://127.0.0.1:5001"), "élodie", "phone"), arguments);
        Assert.Equal(0, exitCode);
        Assert.Empty(output);
        Assert.Empty(error);
    }

    [Fact]
    public void Defaults_are_the_local_sample_server_and_the_console_device()
    {
        var (arguments, _, _, _) = Parse(["--user", "alice"]);

        Assert.Equal(new ChatArguments(new Uri("http://localhost:5000"), "alice", "console"), arguments);
    }

    private static (ChatArguments? Arguments, int ExitCode, string Output, string Error) Parse(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var arguments = ChatArguments.Parse(args, output, error, out var exitCode);
        return (arguments, exitCode, output.ToString(), error.ToString());
    }
}
