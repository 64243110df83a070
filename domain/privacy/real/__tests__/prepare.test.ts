import {describe, expect, it} from 'vitest'
import {covidDialogues, medquadTexts} from '../prepare.ts'

describe('covidDialogues', () => {
  it('reads the description and every turn of each dialogue', () => {
    const file = [
      'id=1',
      'https://www.example.org/qa/1',
      '',
      'Description',
      'Cough for a week.',
      '',
      'Dialogue',
      'Patient:',
      'Hello doctor, I cough at night.',
      'Doctor:',
      'Hello. Try honey.',
      '',
      'id=2',
      'Description',
      'Fever.',
      'Dialogue',
      'Patient:',
      'I have 38.5 degrees.',
      '',
    ].join('\n')
    expect(covidDialogues(file)).toEqual([
      {source: 'covid-dialogue', id: 'covid-1', role: 'description', text: 'Cough for a week.'},
      {
        source: 'covid-dialogue',
        id: 'covid-1',
        role: 'patient',
        text: 'Hello doctor, I cough at night.',
      },
      {source: 'covid-dialogue', id: 'covid-1', role: 'doctor', text: 'Hello. Try honey.'},
      {source: 'covid-dialogue', id: 'covid-2', role: 'description', text: 'Fever.'},
      {source: 'covid-dialogue', id: 'covid-2', role: 'patient', text: 'I have 38.5 degrees.'},
    ])
  })
})

describe('medquadTexts', () => {
  it('reads questions and answers and decodes entities', () => {
    const xml =
      '<QAPairs><QAPair pid="1"><Question qid="1-1">What is (are) X ?</Question>' +
      '<Answer>A child&apos;s dose is 5 &amp; 10 mg.</Answer></QAPair></QAPairs>'
    expect(medquadTexts(xml, 'doc.xml')).toEqual([
      {source: 'medquad', id: 'doc.xml', role: 'question', text: 'What is (are) X ?'},
      {source: 'medquad', id: 'doc.xml', role: 'answer', text: "A child's dose is 5 & 10 mg."},
    ])
  })
})
