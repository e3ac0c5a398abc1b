using System.Xml;
using System.Xml.Schema;

namespace OliveNet.Cli.Tests.Reports;

/// <summary>
/// The JUnit XML shape build servers read (Jenkins, GitLab, Azure DevOps, GitHub test reporters): testsuites → testsuite →
/// testcase with optional failure/error/skipped, counts as non-negative integers, time as a decimal. Written here as an
/// XSD from that documented structure, strict (no unknown elements or attributes), and validated with System.Xml.Schema.
/// </summary>
internal static class JunitSchema
{
    private const string Xsd = """
        <?xml version="1.0" encoding="utf-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
          <xs:complexType name="problem" mixed="true">
            <xs:attribute name="message" type="xs:string"/>
            <xs:attribute name="type" type="xs:string" use="required"/>
          </xs:complexType>
          <xs:element name="testsuites">
            <xs:complexType>
              <xs:sequence>
                <xs:element name="testsuite" maxOccurs="unbounded">
                  <xs:complexType>
                    <xs:sequence>
                      <xs:element name="testcase" minOccurs="1" maxOccurs="unbounded">
                        <xs:complexType>
                          <xs:choice minOccurs="0">
                            <xs:element name="failure" type="problem"/>
                            <xs:element name="error" type="problem"/>
                            <xs:element name="skipped"/>
                          </xs:choice>
                          <xs:attribute name="name" type="xs:string" use="required"/>
                          <xs:attribute name="classname" type="xs:string" use="required"/>
                          <xs:attribute name="time" type="xs:decimal" use="required"/>
                        </xs:complexType>
                      </xs:element>
                    </xs:sequence>
                    <xs:attribute name="name" type="xs:string" use="required"/>
                    <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
                    <xs:attribute name="failures" type="xs:nonNegativeInteger" use="required"/>
                    <xs:attribute name="errors" type="xs:nonNegativeInteger" use="required"/>
                    <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
                    <xs:attribute name="time" type="xs:decimal"/>
                  </xs:complexType>
                </xs:element>
              </xs:sequence>
              <xs:attribute name="name" type="xs:string"/>
              <xs:attribute name="tests" type="xs:nonNegativeInteger"/>
              <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
              <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
              <xs:attribute name="time" type="xs:decimal"/>
            </xs:complexType>
          </xs:element>
        </xs:schema>
        """;

    /// <summary>Every validation problem of <paramref name="path"/>; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(string path)
    {
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema };
        using (var xsd = XmlReader.Create(new StringReader(Xsd)))
        {
            settings.Schemas.Add(null, xsd);
        }

        settings.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity}: {e.Message} (line {e.Exception?.LineNumber})");
        using var reader = XmlReader.Create(path, settings);
        while (reader.Read())
        {
        }

        return problems;
    }
}
