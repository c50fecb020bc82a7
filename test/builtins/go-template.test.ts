// Go's text/template subset behind strings.render_template.

import t from 'tap'
import { renderTemplate } from '../../src/builtins/go-template.js'

const render = (src: string, vars: Record<string, unknown> = {}): string => renderTemplate('strings.render_template', src, vars)

t.test('range binds the element, or the key and the element', async (t) => {
  t.equal(render('{{range $v := .xs}}[{{$v}}]{{end}}', { xs: ['a', 'b'] }), '[a][b]')
  t.equal(render('{{range $i, $v := .xs}}{{$i}}={{$v}} {{end}}', { xs: ['a', 'b'] }), '0=a 1=b ')
  t.equal(render('{{range $k, $v := .m}}{{$k}}:{{$v}};{{end}}', { m: { b: 2, a: 1 } }), 'a:1;b:2;')
  t.equal(render('{{range .xs}}x{{else}}none{{end}}', { xs: [] }), 'none')
})

t.test('variables: := declares in the current scope, = sets the innermost', async (t) => {
  t.equal(render('{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}'), '2')
  t.equal(render('{{$x := 1}}{{if true}}{{$x := 3}}{{$x}}{{end}}{{$x}}'), '31')
  t.throws(() => render('{{$y}}'), { message: 'strings.render_template: template: undefined variable: $y' })
})

t.test('pipelines pass the previous value last; numbers keep their JSON text', async (t) => {
  t.equal(render('{{.n | printf "%d!"}}', { n: 7 }), '7!')
  t.equal(render('{{.n}}', { n: 1e21 }), '1000000000000000000000')
  t.throws(() => render('{{nope 1}}'), { message: 'strings.render_template: template: function "nope" not defined' })
})
