extension Templates {
    /// The Certifications page: overdue, due, open notices, the two forms, the sample to check.
    static let certifications = """
        <h2>{{t.certificationsOverdue}}</h2>
        {{#hasOverdue}}<div class="scroll"><table><thead><tr><th scope="col">{{t.card}}</th><th scope="col">{{t.holder}}</th><th scope="col">{{t.phone}}</th><th scope="col">{{t.address}}</th><th scope="col">{{t.community}}</th><th scope="col">{{t.lastCertified}}</th><th scope="col">{{t.dueOn}}</th><th scope="col">{{t.daysLeft}}</th></tr></thead>
        <tbody>{{#overdue}}<tr><td>{{card}}</td><td>{{holder}}</td><td>{{phone}}</td><td>{{address}}</td><td>{{community}}</td><td>{{lastMethod}} {{lastOn}}</td><td class="flag">{{due}}</td><td class="flag">{{daysLeft}}</td></tr>{{/overdue}}</tbody></table></div>{{/hasOverdue}}
        {{^overdue}}<p>{{t.noneOverdue}}</p>{{/overdue}}
        <h2>{{t.certificationsDue}}</h2>
        {{#hasDue}}<div class="scroll"><table><thead><tr><th scope="col">{{t.card}}</th><th scope="col">{{t.holder}}</th><th scope="col">{{t.phone}}</th><th scope="col">{{t.address}}</th><th scope="col">{{t.community}}</th><th scope="col">{{t.lastCertified}}</th><th scope="col">{{t.dueOn}}</th><th scope="col">{{t.daysLeft}}</th></tr></thead>
        <tbody>{{#due}}<tr><td>{{card}}</td><td>{{holder}}</td><td>{{phone}}</td><td>{{address}}</td><td>{{community}}</td><td>{{lastMethod}} {{lastOn}}</td><td>{{due}}</td><td>{{daysLeft}}</td></tr>{{/due}}</tbody></table></div>{{/hasDue}}
        {{^due}}<p>{{t.noneDue}}</p>{{/due}}
        <h2>{{t.openNotices}}</h2>
        {{#notices}}<section class="alert" aria-labelledby="notice-{{id}}"><h3 id="notice-{{id}}">#{{id}} {{holder}} ({{card}})</h3>
        <p>{{t.missedDue}}: {{dueOn}}<br>{{t.dueNow}}: {{currentDue}}<br>{{t.raisedAt}}: {{raisedAt}}<br>{{t.phone}}: {{phone}}<br>{{t.address}}: {{address}}</p>
        <form method="post" action="/certifications/notices/{{id}}/acknowledge"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="notice-note-{{id}}">{{t.acknowledgeNote}}</label><textarea id="notice-note-{{id}}" name="note" rows="2" required maxlength="1000"></textarea>
        <p><button>{{t.acknowledge}}</button></p></form></section>{{/notices}}
        {{^notices}}<p>{{t.noOpenNotices}}</p>{{/notices}}
        <h2 id="record-heading">{{t.recordCertification}}</h2>
        <form method="post" action="/certifications/record" aria-labelledby="record-heading"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="cert-card">{{t.card}}</label><input id="cert-card" name="card" required>
        <label for="cert-method">{{t.method}}</label><select id="cert-method" name="method">{{#methods}}<option value="{{value}}">{{label}}</option>{{/methods}}</select>
        <label for="cert-on">{{t.certifiedOn}}</label><input id="cert-on" name="on" type="date" required max="{{today}}" value="{{today}}">
        <label for="cert-proxy-name">{{t.proxyName}}</label><input id="cert-proxy-name" name="proxy_name" maxlength="200">
        <label for="cert-proxy-relation">{{t.proxyRelation}}</label><input id="cert-proxy-relation" name="proxy_relation" maxlength="100">
        <label for="cert-reference">{{t.reference}}</label><input id="cert-reference" name="reference" maxlength="200">
        <label for="cert-note">{{t.note}}</label><textarea id="cert-note" name="note" rows="2" maxlength="1000"></textarea>
        <p><button>{{t.recordCertification}}</button></p></form>
        <h2 id="first-due-heading">{{t.setFirstDue}}</h2><p>{{t.firstDueHint}}</p>
        <form method="post" action="/certifications/first-due" aria-labelledby="first-due-heading"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="due-card">{{t.card}}</label><input id="due-card" name="card" required>
        <label for="due-on">{{t.dueOn}}</label><input id="due-on" name="due" type="date" required min="{{today}}">
        <label for="due-note">{{t.note}}</label><textarea id="due-note" name="note" rows="2" maxlength="1000"></textarea>
        <p><button>{{t.setFirstDue}}</button></p></form>
        <h2>{{t.sampleToCheck}} ({{month}})</h2>
        {{#hasSample}}<div class="scroll"><table><thead><tr><th scope="col">{{t.card}}</th><th scope="col">{{t.holder}}</th><th scope="col">{{t.phone}}</th><th scope="col">{{t.certifiedOn}}</th><th scope="col">{{t.restaurant}}</th><th scope="col">{{t.by}}</th></tr></thead>
        <tbody>{{#sample}}<tr><td>{{card}}</td><td>{{holder}}</td><td>{{phone}}</td><td>{{on}}</td><td>{{restaurant}}</td><td>{{by}}</td></tr>{{/sample}}</tbody></table></div>{{/hasSample}}
        {{^sample}}<p>{{t.noSample}}</p>{{/sample}}
        """
}
