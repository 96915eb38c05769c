[assembly: AssemblyFixture(typeof(Messaging.Browser.Tests.Hosting.ChromiumFixture))]
